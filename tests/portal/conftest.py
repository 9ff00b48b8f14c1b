# The portal's tests follow plans through the days with the plans tests' clock and exercise library.
from tests.plans.conftest import frozen, shipped_library  # noqa: F401
