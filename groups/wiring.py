"""What groups adds to the core through its hooks (iop/hooks.py)."""

from iop import hooks
from iop.models import Clinic

from .services import group_types_create_defaults


def _default_curriculum(clinic: Clinic) -> None:
    """Every clinic starts with the usual group types and curriculum, theirs to change."""
    group_types_create_defaults(clinic=clinic, actor=None)


hooks.clinic_created.register(_default_curriculum)
