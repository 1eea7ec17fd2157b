'use strict';
// The node kit's numeric field: a blank field means the default (wecom-out's "Max hold" left empty used to
// mean 0), a number is clamped, garbage falls back to the default.
const assert = require('node:assert/strict');
const { numField } = require('../dist/nodes/lib/fields');

describe('numField (node kit)', function () {
  it('blank, missing or not a number → the default, never 0', function () {
    for (const v of ['', '  ', undefined, null, 'abc', NaN]) assert.equal(numField(v, 120, 0), 120, JSON.stringify(v));
  });
  it('a number (or numeric text) is used, clamped to [min, max]', function () {
    assert.equal(numField('0', 120, 0), 0);
    assert.equal(numField(30, 120, 0), 30);
    assert.equal(numField('99999', 60, 0, 14400), 14400);
    assert.equal(numField(-5, 10, 1), 1);
  });
});
