// CDKTF's jest matchers are declared in a module that is not imported at runtime.
import "cdktf/lib/testing/adapters/jest";
