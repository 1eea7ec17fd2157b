'use strict';
// Test account values (not real secrets) and helpers to build flows and encrypted callbacks.
const { aesKeyFrom } = require('../../dist/nodes/lib/wecom/crypto');
const { sealCallback } = require('../../dist/nodes/lib/wecom/callback');
const { buildXml } = require('../../dist/nodes/lib/wecom/xml');
const zlib = require('node:zlib');

const ACCOUNT = {
  corpId: 'ww1436e0e65a779aee',
  agentId: '1000002',
  token: 'hJqcu3uJ9Tn2gXPmxx2w9kkCkCE2EPYo',
  encodingAESKey: '6qkdMrq68nTKduznJYO1A37W2oEgpkMUvkttRToqhUt',
  agentSecret: 'test-agent-secret-value',
  kfSecret: 'test-kf-secret-value',
};

const KEYS = { token: ACCOUNT.token, aesKey: aesKeyFrom(ACCOUNT.encodingAESKey), receiveId: ACCOUNT.corpId };

/** A wecom-account config node plus its credentials entry. */
/**
 * @param {string} id
 * @param {Record<string, unknown>} [props]
 * @returns {{ node: Record<string, any>, credentials: Record<string, Record<string, string>> }}
 */
function accountNode(id, props) {
  const node = Object.assign({ id, type: 'wecom-account', name: 'test account', corpId: ACCOUNT.corpId, agentId: ACCOUNT.agentId, apiBase: '' }, props || {});
  const credentials = {
    [id]: {
      agentSecret: ACCOUNT.agentSecret,
      kfSecret: ACCOUNT.kfSecret,
      token: ACCOUNT.token,
      encodingAESKey: ACCOUNT.encodingAESKey,
    },
  };
  return { node, credentials };
}

let seq = 1000;
/** Inner plaintext XML of an app text message. */
/**
 * @param {string} content
 * @param {{ user?: string, createTime?: number, msgId?: string, agentId?: string | number }} [opts]
 */
function textXml(content, opts) {
  const o = opts || {};
  return buildXml({
    ToUserName: ACCOUNT.corpId,
    FromUserName: o.user || 'zhangsan',
    CreateTime: o.createTime || Math.floor(Date.now() / 1000),
    MsgType: 'text',
    Content: content,
    MsgId: o.msgId || String(4561255354251345929n + BigInt(seq++)),
    AgentID: Number(o.agentId || ACCOUNT.agentId),
  });
}

/** {query-string, body} for an encrypted callback POST of `innerXml`. */
/**
 * @param {string} innerXml
 * @param {typeof KEYS} [keys]
 */
function sealed(innerXml, keys) {
  const { query, body } = sealCallback(keys || KEYS, innerXml, ACCOUNT.agentId);
  return { qs: '?' + new URLSearchParams(query).toString(), body };
}

/**
 * A real w×h PNG of one colour (so a browser can decode it).
 * @param {number} w @param {number} h @param {number[]} rgb
 */
function makePng(w, h, rgb) {
  const chunk = (type, data) => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(td) >>> 0);
    return Buffer.concat([len, td, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(w, 0);
  ihdr.writeUInt32BE(h, 4);
  ihdr[8] = 8;
  ihdr[9] = 2;
  const row = Buffer.concat([Buffer.from([0]), Buffer.concat(Array.from({ length: w }, () => Buffer.from(rgb)))]);
  const raw = Buffer.concat(Array.from({ length: h }, () => row));
  return Buffer.concat([Buffer.from('89504e470d0a1a0a', 'hex'), chunk('IHDR', ihdr), chunk('IDAT', zlib.deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

/** A small FAQ knowledge base with two refund entries close to each other (退款的事 → a did-you-mean of both). */
const REFUND_KB = [
  { id: 'p', question: '软件怎么收费？', alternates: ['价格是多少'], answer: 'PRICE' },
  { id: 'r', question: '如何申请退款？', alternates: ['我要退款'], answer: 'REFUND' },
  { id: 't', question: '退款多久到账？', alternates: ['退款怎么还没收到'], answer: 'REFUND-TIME' },
  { id: 'i', question: '怎么开发票？', alternates: ['如何申请发票'], answer: 'INVOICE' },
];

module.exports = { ACCOUNT, KEYS, accountNode, textXml, sealed, makePng, REFUND_KB };
