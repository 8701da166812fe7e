// `node --import ./test/app/electron-stand-in-loader.mjs dist/main/electron-main.mjs` runs the BUILT
// Electron main process under Node, with the `electron` module replaced by the recording stand-in
// (Electron's binary cannot be installed on this machine). Plain JavaScript: no TypeScript loader.
import { register } from 'node:module';

register(
  `data:text/javascript,${encodeURIComponent(`
    export async function resolve(specifier, context, next) {
      if (specifier === 'electron') return { url: ${JSON.stringify(new URL('./electron-stand-in-module.mjs', import.meta.url).href)}, shortCircuit: true };
      return next(specifier, context);
    }`)}`,
);
