'use strict';
// Media both ways through the bundled example flow and the WeCom simulator (the shared sandbox, as `npm start`):
// a user's picture reaches the agent as a URL served by ws-bridge (bytes = what WeCom's media/get served), the
// agent's PNG and PDF reach the user as an image and a file, and an oversize picture comes back `undelivered`.
const assert = require('node:assert/strict');
const crypto = require('node:crypto');
const { useSandbox, lastSeq } = require('./sandbox');
const { hubIdle } = require('./hub-idle');
const { until } = require('../helpers/runtime');
const { agentClient } = require('../helpers/agent-client');

const PNG_HEAD = Buffer.from('89504e470d0a1a0a', 'hex');
const png = (size) => Buffer.concat([PNG_HEAD, crypto.randomBytes(size - PNG_HEAD.length)]);
const pdf = () => Buffer.concat([Buffer.from('%PDF-1.4\n'), crypto.randomBytes(3000), Buffer.from('\n%%EOF\n')]);

describe('e2e: pictures and files between WeChat users and agents (bundled flow)', function () {
  this.timeout(60000);
  const sandbox = useSandbox();
  const run = Date.now().toString(36);
  let sb;
  let sim;
  const open = [];

  before(async function () {
    sb = await sandbox();
    await hubIdle(sb);
    sim = sb.simulator;
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((c) => c.close()));
  });

  function connect(agent) {
    const c = agentClient(new URL('wecom/ws', sb.url.replace(/^http/, 'ws')).toString(), { agent, headers: { Authorization: `Bearer ${sb.agentToken}` } });
    open.push(c);
    return c;
  }
  const fetchMedia = (url, token = sb.agentToken) => fetch(new URL(url, sb.url), { headers: token ? { authorization: `Bearer ${token}` } : {} });

  for (const channel of ['app', 'kf']) {
    it(`a ${channel} user's image reaches the agent as a fetchable URL whose bytes equal what WeCom served; the agent's PNG and PDF reach the user`, async function () {
      const agent = connect(`media-${channel}-${run}`);
      await agent.opened;
      await agent.next('welcome');
      const user = `img-${channel}-${run}`;
      await sim.userSays({ channel, userId: user, text: '转人工' });
      const ho = await agent.next('handoff', 15000);

      const picture = png(40_000);
      const sent = await sim.userSends({ channel, userId: user, type: 'image', data: picture, contentType: 'image/png', filename: 'photo.png' });
      assert.equal(sent.status, 200);
      const m = await agent.next('message', 15000);
      assert.equal(m.msgType, 'image');
      assert.equal(m.media.type, 'image');
      assert.match(m.media.url, /^\/wecom\/ws\/media\/m2\./);
      assert.equal(m.media.mediaId, undefined, 'the WeCom media_id is not shown to agents');
      const res = await fetchMedia(m.media.url);
      assert.equal(res.status, 200);
      assert.equal(res.headers.get('content-type'), 'image/png');
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), picture, 'the bytes WeCom served');
      assert.equal((await fetchMedia(m.media.url, null)).status, 401, 'the URL needs the agent credential');
      assert.equal((await fetchMedia(m.media.url.replace(/.$/, (c) => (c === 'A' ? 'B' : 'A')))).status, 404, 'a changed link is refused');

      // the agent sends a picture and a PDF
      const since = lastSeq(sim);
      const image = png(5000);
      agent.send({ type: 'reply', conversationId: ho.conversationId, text: '这是示意图', media: { data: image.toString('base64'), name: 'diagram.png', mime: 'image/png' } });
      await agent.next('ack');
      const doc = pdf();
      agent.send({ type: 'reply', conversationId: ho.conversationId, media: { data: doc.toString('base64'), name: '报价单.pdf' } });
      await agent.next('ack');
      const got = await until(() => {
        const r = sim.records(since).filter((x) => x.direction === 'bot' && x.userId === user);
        return r.some((x) => x.msgtype === 'file') && r.some((x) => x.msgtype === 'image') ? r : null;
      }, 'the picture and the file at the user', 15000);
      // (notices such as "joined" may reach the user meanwhile: only the agent's three messages are checked)
      const mine = got.filter((x) => x.msgtype !== 'text' || x.text === '这是示意图');
      assert.deepEqual(mine.map((x) => x.msgtype), ['text', 'image', 'file'], 'the text first, then the picture, then the file');
      assert.deepEqual(sim.mediaData(mine[1].data.media_id), image, 'the image the user got is the agent\'s PNG');
      assert.deepEqual(sim.mediaData(mine[2].data.media_id), doc, 'the file the user got is the agent\'s PDF');

      if (channel === 'app') {
        // the picture is in the history a colleague gets on transfer, with a URL that works for them too
        const colleague = connect(`media-colleague-${run}`);
        await colleague.opened;
        await colleague.next('welcome');
        agent.send({ type: 'transfer', conversationId: ho.conversationId, to: `media-colleague-${run}`, note: '看看这张图' });
        const h2 = await colleague.next('handoff', 15000);
        const item = h2.history.find((x) => x.media && x.media.type === 'image');
        assert.ok(item, 'the image is in the history');
        const again = await fetchMedia(item.media.url);
        assert.deepEqual(Buffer.from(await again.arrayBuffer()), picture);
        colleague.send({ type: 'close', conversationId: ho.conversationId });
        await colleague.next('ack');
      } else {
        agent.send({ type: 'close', conversationId: ho.conversationId });
        await agent.next('ack');
      }
    });
  }

  it('an oversize picture from the agent comes back undelivered with the WeCom rule', async function () {
    const agent = connect(`media-big-${run}`);
    await agent.opened;
    await agent.next('welcome');
    const user = `big-${run}`;
    await sim.userSays({ channel: 'app', userId: user, text: '转人工' });
    const ho = await agent.next('handoff', 15000);
    const since = lastSeq(sim);
    agent.send({ type: 'reply', conversationId: ho.conversationId, media: { data: png(11 * 1024 * 1024).toString('base64'), name: 'huge.png', mime: 'image/png' } });
    await agent.next('ack');
    const u = await agent.next('undelivered', 15000);
    assert.equal(u.rule, 'image ≤ 10 MB (JPG/PNG)');
    assert.equal(u.media.name, 'huge.png');
    assert.match(u.message, /not sent/);
    assert.equal(sim.records(since).filter((r) => r.direction === 'bot' && r.userId === user && r.msgtype === 'image').length, 0, 'nothing was sent');
    agent.send({ type: 'reply', conversationId: ho.conversationId, media: { url: 'https://elsewhere.example/a.png' }, id: 'x' });
    assert.equal((await agent.next('error')).code, 'bad_media', 'a URL outside the allowed origins is refused at once');
    agent.send({ type: 'close', conversationId: ho.conversationId });
    await agent.next('ack');
  });
});
