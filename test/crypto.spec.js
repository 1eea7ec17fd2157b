'use strict';
const assert = require('node:assert/strict');
const fc = require('fast-check');
const { vectors } = /** @type {{ vectors: Array<Record<string, string>> }} */ (require('./fixtures/wecom-crypto-vectors.json'));
const c = require('../dist/nodes/lib/wecom/crypto');
const api = require('../dist/index.js');

function expectCode(fn, code) {
  assert.throws(fn, (err) => err instanceof c.WecomCryptoError && err.code === code);
}

describe('crypto: official vectors', function () {
  for (const v of vectors) {
    describe(`${v.id} (${v.kind})`, function () {
      it('derives the documented AES key and IV', function () {
        const key = c.aesKeyFrom(v.encoding_aes_key);
        assert.equal(key.toString('hex'), v.aes_key_hex);
        assert.equal(key.subarray(0, 16).toString('hex'), v.iv_hex);
      });
      if (v.msg_signature) {
        it('verifies the published signature and rejects a changed one', function () {
          assert.equal(c.signature(v.token, v.timestamp, v.nonce, v.encrypt), v.msg_signature);
          assert.equal(c.verifySignature(v.token, v.timestamp, v.nonce, v.encrypt, v.msg_signature), true);
          const flipped = (v.msg_signature[0] === 'a' ? 'b' : 'a') + v.msg_signature.slice(1);
          assert.equal(c.verifySignature(v.token, v.timestamp, v.nonce, v.encrypt, flipped), false);
          assert.equal(c.verifySignature(v.token, v.timestamp, v.nonce + '1', v.encrypt, v.msg_signature), false);
        });
      }
      it('decrypts to the documented plaintext with the receiveid check', function () {
        const d = c.decrypt(v.encoding_aes_key, v.encrypt, v.receiveid);
        assert.equal(d.message, v.plaintext_msg);
        assert.equal(d.receiveId, v.receiveid);
        assert.equal(d.random.toString('utf8'), v.random16);
      });
      it('re-encrypts byte for byte with the given random', function () {
        assert.equal(c.encrypt(v.encoding_aes_key, v.plaintext_msg, v.receiveid, v.random16), v.encrypt);
      });
      it('rejects the ciphertext for another receiveid (-40005)', function () {
        expectCode(() => c.decrypt(v.encoding_aes_key, v.encrypt, v.receiveid + 'x'), c.CryptoErrorCode.ValidateCorpid);
      });
    });
  }

  it('sorts the four strings as the doc example says (digits before letters)', function () {
    const a3 = vectors.find((v) => v.id === 'A3');
    assert.ok(a3);
    const sorted = [a3.token, a3.timestamp, a3.nonce, a3.encrypt].sort();
    assert.deepEqual(sorted.slice(0, 3), ['1372623149', '1409659813', 'QDG6eK']);
  });

  it('is exported from the package main entry', function () {
    for (const name of ['verifySignature', 'decrypt', 'encrypt']) assert.equal(typeof api[name], 'function');
    const v = vectors.find((x) => x.id === 'B2');
    assert.ok(v);
    assert.equal(api.verifySignature(v.token, v.timestamp, v.nonce, v.encrypt, v.msg_signature), true);
    assert.match(api.decrypt(v.encoding_aes_key, v.encrypt, v.receiveid).message, /<Content>你好<\/Content>/);
  });
});

describe('crypto: typed errors', function () {
  const v = vectors.find((x) => x.id === 'B2');
  assert.ok(v);
  const key = v.encoding_aes_key;

  it('rejects a bad EncodingAESKey (-40004)', function () {
    expectCode(() => c.aesKeyFrom('short'), c.CryptoErrorCode.IllegalAesKey);
    expectCode(() => c.aesKeyFrom(key + 'A'), c.CryptoErrorCode.IllegalAesKey);
    expectCode(() => c.aesKeyFrom(key.slice(0, 42) + '!'), c.CryptoErrorCode.IllegalAesKey);
  });
  it('rejects non-base64 input (-40010)', function () {
    expectCode(() => c.decrypt(key, 'not base64!!'), c.CryptoErrorCode.DecodeBase64);
    expectCode(() => c.decrypt(key, ''), c.CryptoErrorCode.DecodeBase64);
  });
  it('rejects a length that is not a multiple of 32 (-40008)', function () {
    expectCode(() => c.decrypt(key, Buffer.alloc(48).toString('base64')), c.CryptoErrorCode.IllegalBuffer);
  });
  it('rejects bad padding and an out-of-range length field (-40008)', function () {
    const aes = c.aesKeyFrom(key);
    const crypto = require('node:crypto');
    const enc = (buf) => {
      const ci = crypto.createCipheriv('aes-256-cbc', aes, aes.subarray(0, 16));
      ci.setAutoPadding(false);
      return Buffer.concat([ci.update(buf), ci.final()]).toString('base64');
    };
    const badPad = Buffer.alloc(64, 0x41);
    badPad[63] = 33; // pad byte out of 1..32
    expectCode(() => c.decrypt(key, enc(badPad)), c.CryptoErrorCode.IllegalBuffer);
    const inconsistent = Buffer.alloc(64, 0x41);
    inconsistent[63] = 4; inconsistent[62] = 4; inconsistent[61] = 4; inconsistent[60] = 3;
    expectCode(() => c.decrypt(key, enc(inconsistent)), c.CryptoErrorCode.IllegalBuffer);
    const longLen = Buffer.alloc(64, 0x41);
    longLen.writeUInt32BE(1000, 16);
    longLen.fill(12, 52);
    expectCode(() => c.decrypt(key, enc(longLen)), c.CryptoErrorCode.IllegalBuffer);
  });
  it('validates Token and EncodingAESKey shapes', function () {
    assert.equal(c.isValidToken('QDG6eK'), true);
    assert.equal(c.isValidToken('a'.repeat(33)), false);
    assert.equal(c.isValidToken('has space'), false);
    assert.equal(c.isValidEncodingAESKey(key), true);
    assert.equal(c.isValidEncodingAESKey(key.slice(1)), false);
  });
});

describe('crypto: properties', function () {
  const keyArb = fc.stringMatching(/^[A-Za-z0-9]{42}[AQgw]$/); // last char keeps the 32-byte decode canonical
  const idArb = fc.stringMatching(/^[A-Za-z0-9_-]{0,40}$/);

  it('round-trips any text, any receiveid and any random', function () {
    fc.assert(
      fc.property(keyArb, fc.string({ unit: 'grapheme', maxLength: 400 }), idArb, fc.uint8Array({ minLength: 16, maxLength: 16 }), (k, text, id, rnd) => {
        const enc = c.encrypt(k, text, id, Buffer.from(rnd));
        const dec = c.decrypt(k, enc, id);
        return dec.message === text && dec.receiveId === id && Buffer.compare(dec.random, Buffer.from(rnd)) === 0 && Buffer.from(enc, 'base64').length % 32 === 0;
      }),
      { numRuns: 300 },
    );
  });

  it('signature verification holds for what signature() makes, and fails for any other', function () {
    fc.assert(
      fc.property(fc.string(), fc.string(), fc.string(), fc.string(), fc.stringMatching(/^[0-9a-f]{40}$/), (t, ts, n, d, other) => {
        const sig = c.signature(t, ts, n, d);
        return c.verifySignature(t, ts, n, d, sig) && (other === sig || !c.verifySignature(t, ts, n, d, other));
      }),
      { numRuns: 300 },
    );
  });

  it('random garbage only ever produces the typed error', function () {
    const k = vectors[0].encoding_aes_key;
    const garbage = fc.oneof(
      fc.string({ maxLength: 200 }),
      fc.uint8Array({ maxLength: 256 }).map((b) => Buffer.from(b).toString('base64')),
      fc.integer({ min: 1, max: 8 }).chain((n) => fc.uint8Array({ minLength: 32 * n, maxLength: 32 * n })).map((b) => Buffer.from(b).toString('base64')),
    );
    fc.assert(
      fc.property(garbage, fc.option(idArb, { nil: undefined }), (g, id) => {
        try {
          const d = c.decrypt(k, g, id);
          // A random block can decrypt to a well-formed layout; then every check must have held.
          return typeof d.message === 'string' && (id === undefined || d.receiveId === id);
        } catch (err) {
          return err instanceof c.WecomCryptoError && Object.values(c.CryptoErrorCode).includes(err.code);
        }
      }),
      { numRuns: 1000 },
    );
  });
});
