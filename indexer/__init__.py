"""wrans core: the API client, the store of raw records, the Whoosh index and search.

Data flows one way: API -> scraped/ -> Answer records -> index -> search results.
Nothing in this package imports Flask.
"""

import warnings

# Whoosh 2.7.4 has invalid escape sequences in its sources; the warnings are harmless.
warnings.filterwarnings("ignore", category=SyntaxWarning, module=r"whoosh(\.|$)")
warnings.filterwarnings("ignore", category=DeprecationWarning, module=r"whoosh(\.|$)")
