// The engine's public surface.
export * from './types.js';
export type { OrderBook, BookFactory, BookSnapshot, TradeIdSource } from './order-book.js';
export { MatchingEngine, fastBookFactory, fastBookFactoryWithCapacity, hashEngineSnapshot, type EngineSnapshot, type EngineOptions } from './matching-engine.js';
export { FastBook } from './book.js';
export { NaiveBook, naiveBookFactory } from './book-naive.js';
export { EventRecorder, NullSink, type EngineEvent } from './event-recorder.js';
export { validateInstrument } from './instrument.js';
