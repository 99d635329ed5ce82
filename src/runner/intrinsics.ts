// Captured before any loss-file code runs, for the loss process bundle only (esbuild.mjs injects this
// file and `define`s each `Math.sqrt`, `Number.isFinite` ... of the runner's, the core's and the loader's
// code to the captured function). User code is compiled at run time and sees the globals it patches;
// the runner's checks do not: `Number.isFinite = () => true` in a loss file cannot hide a NaN loss.
// Not a sandbox: prototype methods (Array.prototype.map, ...) are still shared with user code.
/* eslint-disable */
const M = Math;
const N = Number;
const O = Object;
const A = Array;
const J = JSON;
const G = globalThis;
export const __od_Math_abs = M.abs;
export const __od_Math_sqrt = M.sqrt;
export const __od_Math_cbrt = M.cbrt;
export const __od_Math_max = M.max;
export const __od_Math_min = M.min;
export const __od_Math_exp = M.exp;
export const __od_Math_expm1 = M.expm1;
export const __od_Math_log = M.log;
export const __od_Math_log1p = M.log1p;
export const __od_Math_log2 = M.log2;
export const __od_Math_log10 = M.log10;
export const __od_Math_pow = M.pow;
export const __od_Math_sign = M.sign;
export const __od_Math_floor = M.floor;
export const __od_Math_ceil = M.ceil;
export const __od_Math_round = M.round;
export const __od_Math_trunc = M.trunc;
export const __od_Math_hypot = M.hypot;
export const __od_Math_sin = M.sin;
export const __od_Math_cos = M.cos;
export const __od_Math_tan = M.tan;
export const __od_Math_asin = M.asin;
export const __od_Math_acos = M.acos;
export const __od_Math_atan = M.atan;
export const __od_Math_atan2 = M.atan2;
export const __od_Math_sinh = M.sinh;
export const __od_Math_cosh = M.cosh;
export const __od_Math_tanh = M.tanh;
export const __od_Math_asinh = M.asinh;
export const __od_Math_acosh = M.acosh;
export const __od_Math_atanh = M.atanh;
export const __od_Math_fround = M.fround;
export const __od_Number_isFinite = N.isFinite;
export const __od_Number_isNaN = N.isNaN;
export const __od_Number_isInteger = N.isInteger;
export const __od_Number_isSafeInteger = N.isSafeInteger;
export const __od_Object_hasOwn = O.hasOwn;
export const __od_Object_keys = O.keys;
export const __od_Object_entries = O.entries;
export const __od_Object_fromEntries = O.fromEntries;
export const __od_Object_freeze = O.freeze;
export const __od_Object_isFrozen = O.isFrozen;
export const __od_Object_create = O.create;
export const __od_Object_defineProperty = O.defineProperty;
export const __od_Object_getPrototypeOf = O.getPrototypeOf;
export const __od_Object_assign = O.assign;
export const __od_Array_isArray = A.isArray;
export const __od_Array_from = A.from;
export const __od_JSON_stringify = J.stringify;
export const __od_JSON_parse = J.parse;
export const __od_global_isFinite = G.isFinite;
export const __od_global_isNaN = G.isNaN;
export const __od_global_Float64Array = G.Float64Array;

/** `define` entries for esbuild (name → captured binding). */
export const INTRINSIC_DEFINES: Readonly<Record<string, string>> = {
  'Math.abs': '__od_Math_abs',
  'Math.sqrt': '__od_Math_sqrt',
  'Math.cbrt': '__od_Math_cbrt',
  'Math.max': '__od_Math_max',
  'Math.min': '__od_Math_min',
  'Math.exp': '__od_Math_exp',
  'Math.expm1': '__od_Math_expm1',
  'Math.log': '__od_Math_log',
  'Math.log1p': '__od_Math_log1p',
  'Math.log2': '__od_Math_log2',
  'Math.log10': '__od_Math_log10',
  'Math.pow': '__od_Math_pow',
  'Math.sign': '__od_Math_sign',
  'Math.floor': '__od_Math_floor',
  'Math.ceil': '__od_Math_ceil',
  'Math.round': '__od_Math_round',
  'Math.trunc': '__od_Math_trunc',
  'Math.hypot': '__od_Math_hypot',
  'Math.sin': '__od_Math_sin',
  'Math.cos': '__od_Math_cos',
  'Math.tan': '__od_Math_tan',
  'Math.asin': '__od_Math_asin',
  'Math.acos': '__od_Math_acos',
  'Math.atan': '__od_Math_atan',
  'Math.atan2': '__od_Math_atan2',
  'Math.sinh': '__od_Math_sinh',
  'Math.cosh': '__od_Math_cosh',
  'Math.tanh': '__od_Math_tanh',
  'Math.asinh': '__od_Math_asinh',
  'Math.acosh': '__od_Math_acosh',
  'Math.atanh': '__od_Math_atanh',
  'Math.fround': '__od_Math_fround',
  'Number.isFinite': '__od_Number_isFinite',
  'Number.isNaN': '__od_Number_isNaN',
  'Number.isInteger': '__od_Number_isInteger',
  'Number.isSafeInteger': '__od_Number_isSafeInteger',
  'Object.hasOwn': '__od_Object_hasOwn',
  'Object.keys': '__od_Object_keys',
  'Object.entries': '__od_Object_entries',
  'Object.fromEntries': '__od_Object_fromEntries',
  'Object.freeze': '__od_Object_freeze',
  'Object.isFrozen': '__od_Object_isFrozen',
  'Object.create': '__od_Object_create',
  'Object.defineProperty': '__od_Object_defineProperty',
  'Object.getPrototypeOf': '__od_Object_getPrototypeOf',
  'Object.assign': '__od_Object_assign',
  'Array.isArray': '__od_Array_isArray',
  'Array.from': '__od_Array_from',
  'JSON.stringify': '__od_JSON_stringify',
  'JSON.parse': '__od_JSON_parse',
  'isFinite': '__od_global_isFinite',
  'isNaN': '__od_global_isNaN',
  'Float64Array': '__od_global_Float64Array',
};
