/**
 * node-red-contrib-wecom's programmatic API, for function nodes and other Node.js apps.
 * (Node-RED loads the nodes from package.json's "node-red" section, not from here.)
 */
export { verifySignature, signature, decrypt, encrypt, aesKeyFrom, WecomCryptoError, CryptoErrorCode } from './nodes/lib/wecom/crypto';
export type { Decrypted } from './nodes/lib/wecom/crypto';
export { verifyUrl, openCallback, sealReply, sealCallback, CallbackError } from './nodes/lib/wecom/callback';
export type { CallbackKeys } from './nodes/lib/wecom/callback';
export { parseXml, buildXml } from './nodes/lib/wecom/xml';
export type { WecomMeta, Channel } from './nodes/lib/contract/wecom-meta';
export type { WecomMsg, HandoffTag, BridgeInfo, FaqInfo, KeywordInfo, SendError, AgentTag } from './nodes/lib/contract/messages';
// Chinese text matching (keyword-match / faq-lookup / handoff transfer words)
export { normalise, toSimplified } from './nodes/lib/bot/text/normalise';
export { words, bigrams } from './nodes/lib/bot/text/tokenise';
export { compileRules, RuleError, MATCH_MODES } from './nodes/lib/bot/keyword/rules';
export type { KeywordRule, RuleMatch, MatchMode, CompiledRules } from './nodes/lib/bot/keyword/rules';
export { FaqIndex, DEFAULT_SYNONYMS, DEFAULT_STOP_WORDS, DEFAULT_TUNING } from './nodes/lib/bot/faq/search-index';
export type { FaqEntry, FaqCandidate, FaqResult, FaqFeatures, FaqIndexOptions, FaqSearchOptions } from './nodes/lib/bot/faq/search-index';
export { FaqBot, createFaqBot } from './nodes/lib/bot/faq/bot';
export type { FaqDecision, FaqBotOptions, FaqBotConfig } from './nodes/lib/bot/faq/bot';
export { confidence, calibrate, DEFAULT_CONFIDENCE } from './nodes/lib/bot/faq/confidence';
export type { ConfidenceModel } from './nodes/lib/bot/faq/confidence';
export { SmallTalk, DEFAULT_SMALL_TALK, DEFAULT_SMALL_TALK_REPLIES } from './nodes/lib/bot/faq/smalltalk';
export type { SmallTalkKind } from './nodes/lib/bot/faq/smalltalk';
export { EmbeddingReranker } from './nodes/lib/bot/faq/rerank';
export type { RerankOptions } from './nodes/lib/bot/faq/rerank';
export { DEFAULT_ANSWER_THRESHOLD, DEFAULT_SUGGEST_THRESHOLD } from './nodes/lib/bot/faq/data';
/** The WeCom server API client (message/send, media/upload, 微信客服): one line per send. */
export { WecomApi, WecomApiError } from './nodes/lib/wecom/wecom-api';
export type { WecomApiOptions, SendResult } from './nodes/lib/wecom/wecom-api';
export type { RetryOptions } from './nodes/lib/wecom/api/retry';
/** ws-bridge agent tokens: bind one agent id, signed with the bridge Token (see docs/agent-protocol.md). */
export { mintAgentToken, verifyAgentToken } from './nodes/lib/bridge/agent-token';
export type { AgentClaims, MintOptions } from './nodes/lib/bridge/agent-token';
