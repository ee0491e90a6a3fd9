// The wire types of the REST and WebSocket API, shared by the server and the dashboard (web/).
export * from './common.js';
export * from './rest.js';
export * from './ws.js';
export * from './fix-sessions.js';
export * from './market.js';
export * from './strategies.js';
