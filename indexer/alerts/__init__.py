"""Email alerts: "tell me when a search has new answers" or "when this question changes".

    store.py     the SQLite database of subscriptions and rate-limit events
    tokens.py    the secret, and the signed tokens in links and forms
    targets.py   what an alert watches (a search or one question) and its label
    addresses.py checking an address typed into a form
    mail.py      building the confirmation and digest messages (jinja2, never Flask)
    smtp.py      handing messages to the SMTP server
    send.py      `wrans alerts send`: one digest per address, watermarks moved after acceptance

The web app (`webapp/alerts.py`) subscribes, confirms and unsubscribes; only the
send run reads the index for changes. Mail is configured by WRANS_SMTP_HOST:
without it there are no forms and nothing is sent.
"""
