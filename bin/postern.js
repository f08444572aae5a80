#!/usr/bin/env node
// Runs the TypeScript sources directly: tsx transpiles on load, so a checkout needs no build step.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/main.ts');
