"""Imports every module that defines tables, so that Base.metadata knows them all."""

from core import inbox, outbox, users  # noqa: F401
from core.accounts import models as _accounts_models  # noqa: F401
from core.admin import models as _admin_models  # noqa: F401
from core.escrow import models as _escrow_models  # noqa: F401
from core.ledger import models as _ledger_models  # noqa: F401
from core.reports import models as _reports_models  # noqa: F401
from core.reserves import models as _reserves_models  # noqa: F401
from core.wallet import models as _wallet_models  # noqa: F401
