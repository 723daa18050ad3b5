import { Testing } from "cdktf";

// Registers toHaveResourceWithProperties & co. (their typings: test/cdktf-matchers.d.ts).
Testing.setupJest();
