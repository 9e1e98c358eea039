#!/usr/bin/env node
// The ct-klaviyo command: runs the TypeScript sources through tsx.
import { register } from 'tsx/esm/api';

register();
await import('../src/cli/index.ts');
