/** The vellum package: the transparency-log primitives (see also vellum/tlog). */
export * from './tlog/index.js';
