#!/usr/bin/env node
// Entry point of the `weir` command: runs the compiled CLI (npm run build produces dist/).
import '../dist/cli/main.js';
