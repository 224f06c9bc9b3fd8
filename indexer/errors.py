"""One error vocabulary for wrans.

    WransError                  anything wrans reports to a person
    ├── ApiError                the API failed after bounded retries (names URL and window or id)
    │   └── NotFound            the API answered 404 for a question
    ├── StoreError              a stored record cannot be read or written
    ├── BadSetting              a WRANS_* environment variable is not of its type
    ├── IndexError_             base for index problems
    │   ├── IndexMissing        no index yet: run `wrans index`
    │   ├── IndexCorrupt        the index cannot be opened: rebuild it
    │   ├── IndexOutdated       built before a field a feature needs: `wrans index --rebuild`
    │   └── IndexBusy           another run holds the update lock
    ├── QueryError              base for queries we refuse
    │   ├── QuerySyntaxError    the query cannot be parsed (callers fall back to plain words)
    │   ├── QueryTooComplex     over the length, term, wildcard or time budget
    │   │   └── SearchTimedOut  ran past the time limit: 503, it may pass when less busy
    │   └── BadParameter        a filter, page or sort value that makes no sense
    ├── Overloaded              this process already runs its most searches at once: 503
    ├── MailError               the SMTP server could not be reached or refused a message
    └── WhooshVersionError      the installed Whoosh is not the one `indexer.engine` is written for

Each class carries `status`, the HTTP status the web app answers with; the 503s
also carry `retry_after`, the seconds a client should wait before trying again.
"""


class WransError(Exception):
    status = 500


class ApiError(WransError):
    status = 502


class NotFound(ApiError):
    status = 404


class StoreError(WransError):
    status = 500


class BadSetting(WransError):
    pass


class IndexError_(WransError):
    status = 503


class IndexMissing(IndexError_):
    def __init__(self, path):
        super().__init__(f"no search index at {path}: build it with `wrans index`")


class IndexCorrupt(IndexError_):
    def __init__(self, path, cause):
        super().__init__(
            f"the search index at {path} cannot be opened ({cause}): "
            "rebuild it with `wrans index --rebuild`"
        )


class IndexOutdated(IndexError_):
    def __init__(self, feature: str):
        super().__init__(f"{feature}: this search index was built without the fields it needs; "
                         "rebuild it with `wrans index --rebuild`")


class IndexBusy(IndexError_):
    status = 409


class QueryError(WransError):
    status = 400


class QuerySyntaxError(QueryError):
    pass


class QueryTooComplex(QueryError):
    pass


class BadParameter(QueryError):
    pass


class SearchTimedOut(QueryTooComplex):
    """The search ran out of time: a hard query, or a busy server, so 503 and Retry-After."""

    status = 503
    retry_after = 5


class Overloaded(WransError):
    """This process already runs as many searches as it may: 503 and Retry-After."""

    status = 503
    retry_after = 5


class MailError(WransError):
    """The SMTP server could not be reached, or refused a message: 503, try again later."""

    status = 503


class WhooshVersionError(WransError):
    """`indexer.engine` relies on Whoosh's private internals: one version only (its docstring)."""
