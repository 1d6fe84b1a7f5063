#!/usr/bin/env node
// The `meshrag` command. Runs the TypeScript sources through tsx so a fresh clone needs no
// build step; container images compile with tsc instead.
import { register } from 'tsx/esm/api';

register();
await import('../cli/main.ts');
