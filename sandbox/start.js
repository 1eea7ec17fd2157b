#!/usr/bin/env node
// `npm start` (after `npm run build`): the compiled sandbox in dist/sandbox/start.js.
'use strict';
require('../dist/sandbox/start.js').main();
