'use strict';
const { MemoryStore } = require('../dist/nodes/lib/state/backends/memory');
const stateConformance = require('./helpers/state-conformance');

stateConformance('memory', {
  create: async ({ instanceId }) => new MemoryStore({ instanceId }),
});
