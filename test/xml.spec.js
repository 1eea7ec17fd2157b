'use strict';
const assert = require('node:assert/strict');
const fc = require('fast-check');
const { parseXml, parseGeneral, buildXml } = require('../dist/nodes/lib/wecom/xml');
const { scanWecomXml } = require('../dist/nodes/lib/wecom/xml-scan');

describe('xml', function () {
  it('parses WeCom messages with 64-bit ids as strings and CDATA verbatim', function () {
    const rec = parseXml('<xml>\n<ToUserName><![CDATA[ww1]]></ToUserName>\n<Content><![CDATA[ 你好 <b> ]]></Content>\n<MsgId>4561255354251345929</MsgId>\n<ScanCodeInfo><ScanType><![CDATA[qrcode]]></ScanType></ScanCodeInfo>\n</xml>');
    assert.deepEqual(rec, { ToUserName: 'ww1', Content: ' 你好 <b> ', MsgId: '4561255354251345929', ScanCodeInfo: { ScanType: 'qrcode' } });
  });

  it('refuses DTDs, entities, malformed XML and a missing <xml> root', function () {
    for (const bad of ['<!DOCTYPE x><xml/>', '<xml><!ENTITY a "b"></xml>', '<xml><A>1</B></xml>', 'plain text', '<root><A>1</A></root>', '']) {
      assert.throws(() => parseXml(bad), (/** @type {Error} */ e) => e.name === 'XmlError', bad);
    }
  });

  it('falls back to the general parser for shapes the scanner does not take', function () {
    const repeated = '<xml><Item>1</Item><Item>2</Item><A a="1">x</A><!-- c --><E>a &amp; b</E></xml>';
    assert.equal(scanWecomXml(repeated), null);
    assert.deepEqual(parseXml(repeated), parseGeneral(repeated));
  });

  const name = fc.constantFrom('ToUserName', 'FromUserName', 'CreateTime', 'MsgType', 'Content', 'MsgId', 'AgentID', 'Event', 'EventKey', 'Label', 'X_1', 'a.b');
  const text = fc.string({ unit: 'grapheme', maxLength: 30 }).filter((t) => !/[<>&\]]/.test(t));
  const value = fc.oneof(
    text.map((t) => ({ cdata: t })),
    text.map((t) => ({ plain: t })),
    fc.dictionary(name, text.map((t) => ({ cdata: t })), { maxKeys: 3 }).map((d) => ({ nested: d })),
  );
  function render(fields, ws) {
    return Object.entries(fields)
      .map(([k, v]) => {
        if (v.cdata !== undefined) return `${ws}<${k}><![CDATA[${v.cdata}]]></${k}>`;
        if (v.plain !== undefined) return `${ws}<${k}>${v.plain}</${k}>`;
        return `${ws}<${k}>${render(v.nested, ws)}${ws}</${k}>`;
      })
      .join('');
  }

  it('the fast scanner agrees with fast-xml-parser on every WeCom-shaped document', function () {
    fc.assert(
      fc.property(fc.dictionary(name, value, { maxKeys: 8 }), fc.constantFrom('', '\n', '  '), (fields, ws) => {
        const doc = `<xml>${render(fields, ws)}${ws}</xml>`;
        const fast = scanWecomXml(doc);
        const general = parseGeneral(doc);
        return fast === null || JSON.stringify(fast) === JSON.stringify(general);
      }),
      { numRuns: 500 },
    );
  });

  it('the fast scanner never accepts what the general parser rejects', function () {
    fc.assert(
      fc.property(fc.string({ maxLength: 60 }), (junk) => {
        const doc = `<xml><A>${junk}</A></xml>`;
        const fast = scanWecomXml(doc);
        if (fast === null) return true;
        try {
          return JSON.stringify(parseGeneral(doc)) === JSON.stringify(fast);
        } catch {
          return false;
        }
      }),
      { numRuns: 1000 },
    );
  });

  it('buildXml round-trips through parseXml', function () {
    const rec = { ToUserName: 'u', CreateTime: 5, Content: 'a ]]> b', Articles: { item: { Title: 't' } } };
    assert.deepEqual(parseXml(buildXml(rec)), { ToUserName: 'u', CreateTime: '5', Content: 'a ]]> b', Articles: { item: { Title: 't' } } });
  });
});
