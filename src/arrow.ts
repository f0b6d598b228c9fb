/**
 * coh5/arrow: reads, query results and pandas frames as Apache Arrow tables. A separate entry so
 * the core bundle does not pull in apache-arrow, an optional peer dependency.
 */
export { toArrow, type ToArrowOptions } from './arrow/to-arrow.js';
