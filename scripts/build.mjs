// `npm run build`: compiles src/, emulators/ and scripts/ to dist/ (type-checked), and copies the files they
// read at run time. Production (`npm start`, the ct-klaviyo bin, the Docker image) runs this output.
import { execFileSync } from 'node:child_process';
import { cpSync, rmSync } from 'node:fs';

rmSync('dist', { recursive: true, force: true });
// npm puts node_modules/.bin on the PATH of its scripts.
execFileSync('tsc', ['-p', 'tsconfig.build.json'], { stdio: 'inherit', shell: process.platform === 'win32' });
cpSync('src/http/dashboard', 'dist/src/http/dashboard', { recursive: true });
