/** How much text a gzip trace holds per byte, for estimates: the shipped recordings' ratio. */
export const TRACE_GZIP_RATIO = 28;
