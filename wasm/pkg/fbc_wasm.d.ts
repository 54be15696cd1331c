/* tslint:disable */
/* eslint-disable */

/** One file of a catalog: its path (with `/`) and its content. */
export interface CatalogFile { path: string; text: string | Uint8Array }
export interface ValidateOptions {
    /** Report warnings (mirror-readiness lints) as errors, like `--strict`. */
    strict?: boolean;
    /** Only report these codes or names, like `--only`. */
    only?: string[];
    /** Do not report these codes or names, like `--ignore`. */
    ignore?: string[];
}
export interface RenderTextOptions extends ValidateOptions {
    /** ANSI colours (text format). */
    color?: boolean;
    /** How hints name the tool, e.g. `oc catalog explain FBC204`. */
    command?: string;
}
export interface Position { offset: number; line: number; column: number; columnUtf16: number }
export interface Location { path: string; start: Position; end: Position }
export interface Label { message: string; location: Location }
export interface Diagnostic {
    code: string; name: string; severity: 'error' | 'warning'; message: string;
    help?: string; location?: Location; labels: Label[];
}
export interface Summary {
    errors: number; warnings: number; files: number; packages: number; channels: number; bundles: number;
}
export interface ValidateResult {
    version: number; tool: { name: string; version: string }; passed: boolean;
    summary: Summary; diagnostics: Diagnostic[];
    /** The files read, in order, without `.indexignore` files and what they exclude. */
    files: string[];
}
export interface CodeInfo { code: string; name: string; severity: 'error' | 'warning'; opm: boolean; summary: string }
export interface ChannelSummary { name: string; head?: string; heads: string[]; entries: number; deprecated: boolean }
export interface BundleSummary { name: string; version?: string; image: string; channels: string[]; deprecated: boolean }
export interface PackageSummary {
    name: string; declared: boolean; defaultChannel: string; deprecated: boolean;
    channels: ChannelSummary[]; bundles: BundleSummary[];
}
export interface UpgradeNode { name: string; version?: string; head: boolean; inChannel: boolean; deprecated: boolean }
export interface UpgradeEdge { from: string; to: string; kind: 'replaces' | 'skips' | 'skipRange' }
export interface ChannelUpgradeGraph {
    name: string; heads: string[]; deprecated: boolean; nodes: UpgradeNode[]; edges: UpgradeEdge[];
}
export interface PackageGraph { package: string; defaultChannel: string; channels: ChannelUpgradeGraph[] }
/** One operator catalog of an ImageSetConfiguration, with its FBC files (fetched by the caller). */
export interface MirrorCatalogInput { catalog: string; files: CatalogFile[] }
export interface PlanMirrorOptions {
    /** `--max-components`: 0 or absent = no limit, else at least 2. */
    maxComponents?: number;
    /** `--with-dependencies`: add what olm.package.required / olm.gvk.required need. */
    withDependencies?: boolean;
    /** Path shown in ImageSetConfiguration errors (default `isc.yaml`). */
    iscPath?: string;
}
export interface ImageCopy { source: string; target: string; kind: 'Bundle' | 'Related' | 'Additional' | 'Catalog'; origins: string[] }
export interface MirrorSelection { catalog: string; notes: string[]; added: string[]; packages: string[]; bundles: number }
export interface MirrorPlan {
    /** Accepted-but-ignored parts of the configuration, as `file:line:col: …`. */
    warnings: string[];
    selections: MirrorSelection[];
    images: ImageCopy[];
    catalogs: { source: string; target: string }[];
    /** `oc image mirror -f` format. */
    mapping: string;
}



/**
 * A catalog being assembled from files, then validated and inspected.
 * Loading happens once, on the first question asked after a change.
 */
export class Catalog {
    free(): void;
    [Symbol.dispose](): void;
    /**
     * Add a file given as bytes (what `File.arrayBuffer()` or `fs.readFile` give).
     */
    addBytes(path: string, bytes: Uint8Array | number[]): void;
    /**
     * Add a file given as text. Paths use `/`; a path added twice keeps the last content.
     */
    addFile(path: string, text: string): void;
    /**
     * A package's upgrade graph, one per channel; `null` for an unknown package.
     */
    graph(_package: string): PackageGraph | null;
    constructor();
    /**
     * The packages, with their channels (default channel, heads) and bundles.
     */
    packages(): PackageSummary[];
    /**
     * The findings rendered by the CLI's renderers: `text` (rustc-style, as
     * `oc catalog validate` prints), `json`, `sarif` or `github`.
     */
    render(format: string, options: RenderTextOptions | undefined): string;
    /**
     * Every finding, with the summary counts and the files read.
     */
    validate(options: ValidateOptions | undefined): ValidateResult;
    /**
     * How many files were added.
     */
    readonly fileCount: number;
}

/**
 * The catalog root a changed file belongs to (`fbc_core::layout::catalog_root`):
 * the deepest of `roots` containing it (or `undefined` if none does); without
 * roots, the parent of the nearest ancestor directory named after a package
 * the file declares, else the file's directory. `""` is the current directory.
 */
export function catalogRoot(path: string, content: string | Uint8Array, roots: string[]): string | undefined;

/**
 * Every finding code with its name, default severity and summary.
 */
export function codes(): CodeInfo[];

/**
 * What `oc catalog explain CODE` prints, for a code (`FBC204`, `204`) or a
 * name (`duplicate-channel-entry`); `undefined` for an unknown code.
 */
export function explain(code: string): string | undefined;

/**
 * Plan a mirror (`oc catalog mirror -c … --dry-run` without the network):
 * parse the ImageSetConfiguration, filter each given catalog to it, and
 * list the images to copy with their targets under `destination`
 * (`[docker://]host[:port][/namespace]`). Errors (with `file:line:col` for
 * the configuration) are thrown.
 */
export function planMirror(isc_text: string, catalogs: MirrorCatalogInput[], destination: string, options: PlanMirrorOptions | undefined): MirrorPlan;

/**
 * Panics (bugs) show up in the console with their message.
 */
export function start(): void;

/**
 * Validate `files` (an array of `{path, text}`) as one catalog.
 */
export function validate(files: CatalogFile[], options: ValidateOptions | undefined): ValidateResult;

/**
 * The version of fbc-core this was built from.
 */
export function version(): string;

export type InitInput = RequestInfo | URL | Response | BufferSource | WebAssembly.Module;

export interface InitOutput {
    readonly memory: WebAssembly.Memory;
    readonly __wbg_catalog_free: (a: number, b: number) => void;
    readonly catalogRoot: (a: number, b: number, c: any, d: number, e: number) => [number, number, number, number];
    readonly catalog_addBytes: (a: number, b: number, c: number, d: number, e: number) => void;
    readonly catalog_addFile: (a: number, b: number, c: number, d: number, e: number) => void;
    readonly catalog_fileCount: (a: number) => number;
    readonly catalog_graph: (a: number, b: number, c: number) => [number, number, number];
    readonly catalog_new: () => number;
    readonly catalog_packages: (a: number) => [number, number, number];
    readonly catalog_render: (a: number, b: number, c: number, d: any) => [number, number, number, number];
    readonly catalog_validate: (a: number, b: any) => [number, number, number];
    readonly codes: () => [number, number, number];
    readonly explain: (a: number, b: number) => [number, number];
    readonly planMirror: (a: number, b: number, c: any, d: number, e: number, f: any) => [number, number, number];
    readonly start: () => void;
    readonly validate: (a: any, b: any) => [number, number, number];
    readonly version: () => [number, number];
    readonly __wbindgen_malloc: (a: number, b: number) => number;
    readonly __wbindgen_realloc: (a: number, b: number, c: number, d: number) => number;
    readonly __wbindgen_free: (a: number, b: number, c: number) => void;
    readonly __wbindgen_exn_store: (a: number) => void;
    readonly __externref_table_alloc: () => number;
    readonly __wbindgen_externrefs: WebAssembly.Table;
    readonly __externref_drop_slice: (a: number, b: number) => void;
    readonly __externref_table_dealloc: (a: number) => void;
    readonly __wbindgen_start: () => void;
}

export type SyncInitInput = BufferSource | WebAssembly.Module;

/**
 * Instantiates the given `module`, which can either be bytes or
 * a precompiled `WebAssembly.Module`.
 *
 * @param {{ module: SyncInitInput }} module - Passing `SyncInitInput` directly is deprecated.
 *
 * @returns {InitOutput}
 */
export function initSync(module: { module: SyncInitInput } | SyncInitInput): InitOutput;

/**
 * If `module_or_path` is {RequestInfo} or {URL}, makes a request and
 * for everything else, calls `WebAssembly.instantiate` directly.
 *
 * @param {{ module_or_path: InitInput | Promise<InitInput> }} module_or_path - Passing `InitInput` directly is deprecated.
 *
 * @returns {Promise<InitOutput>}
 */
export default function __wbg_init (module_or_path?: { module_or_path: InitInput | Promise<InitInput> } | InitInput | Promise<InitInput>): Promise<InitOutput>;
