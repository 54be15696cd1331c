/* tslint:disable */
/* eslint-disable */
export const memory: WebAssembly.Memory;
export const __wbg_catalog_free: (a: number, b: number) => void;
export const catalogRoot: (a: number, b: number, c: any, d: number, e: number) => [number, number, number, number];
export const catalog_addBytes: (a: number, b: number, c: number, d: number, e: number) => void;
export const catalog_addFile: (a: number, b: number, c: number, d: number, e: number) => void;
export const catalog_fileCount: (a: number) => number;
export const catalog_graph: (a: number, b: number, c: number) => [number, number, number];
export const catalog_new: () => number;
export const catalog_packages: (a: number) => [number, number, number];
export const catalog_render: (a: number, b: number, c: number, d: any) => [number, number, number, number];
export const catalog_validate: (a: number, b: any) => [number, number, number];
export const codes: () => [number, number, number];
export const explain: (a: number, b: number) => [number, number];
export const planMirror: (a: number, b: number, c: any, d: number, e: number, f: any) => [number, number, number];
export const start: () => void;
export const validate: (a: any, b: any) => [number, number, number];
export const version: () => [number, number];
export const __wbindgen_malloc: (a: number, b: number) => number;
export const __wbindgen_realloc: (a: number, b: number, c: number, d: number) => number;
export const __wbindgen_free: (a: number, b: number, c: number) => void;
export const __wbindgen_exn_store: (a: number) => void;
export const __externref_table_alloc: () => number;
export const __wbindgen_externrefs: WebAssembly.Table;
export const __externref_drop_slice: (a: number, b: number) => void;
export const __externref_table_dealloc: (a: number) => void;
export const __wbindgen_start: () => void;
