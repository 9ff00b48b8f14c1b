# The portal's tests follow plans through the days with the plans tests' clock and exercise library.
from tests.plans.conftest import frozen, shipped_library, shipped_library_for_the_module  # noqa: F401
