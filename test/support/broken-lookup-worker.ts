// A lookup worker whose dependencies fail to load, as a broken install would.
import "../../src/lookup/lookup-worker-channel";

throw new Error("Cannot find module 'undici' (simulated)");
