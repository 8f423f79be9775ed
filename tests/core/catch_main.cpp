// The one Catch2 main for every core suite. Exceptions are off in every build, so Catch2 runs
// in its no-exceptions mode: a failed REQUIRE aborts the test case instead of throwing.
#define CATCH_CONFIG_MAIN
#define CATCH_CONFIG_DISABLE_EXCEPTIONS
#include <catch2/catch.hpp>
