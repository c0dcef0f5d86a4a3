// The reference interpreter stage: one Engine, named 'interp'.
export { interpEngine } from './interp.js';
