// coh5 is ESM-only: every entry's "require" condition lands here, so require() fails saying so
// rather than with ERR_PACKAGE_PATH_NOT_EXPORTED.
'use strict';
const err = new Error(
  "coh5 is an ES module only (no CommonJS build): use `import { open } from 'coh5'` in an ES module " +
    "(\"type\": \"module\", or a .mjs/.mts file), or `const { open } = await import('coh5')` from CommonJS.",
);
err.code = 'ERR_REQUIRE_ESM';
throw err;
