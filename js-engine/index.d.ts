// Hand-written declarations for the embedding API ("pyworkflows"). Pinned by tests/js/package-exports.test.js.

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type InstanceStatus =
  | 'queued' | 'running' | 'paused' | 'waitingForPause' | 'waiting' | 'complete' | 'errored' | 'terminated' | 'unknown';

/** A persistence backend (see docs/contracts.md). Call open() before handing it to createEngine. */
export interface Store {
  open(): Promise<void>;
  close(): Promise<void> | void;
  [method: string]: unknown;
}

export interface Clock {
  now(): number;
  isAuto?(): boolean;
  [method: string]: unknown;
}
export interface VirtualClock extends Clock {
  /** Moves time forward by `ms`, firing the timers that fall due. */
  advance(ms: number): Promise<void>;
}

export interface Limits {
  maxStepResultBytes: number; maxEventPayloadBytes: number; maxParamsBytes: number; maxOutputBytes: number;
  maxSteps: number; maxSleepMs: number; maxBatch: number;
}

export interface InstanceStatusReport {
  status: InstanceStatus;
  output?: unknown;
  error?: { name: string; message: string; traceback?: string; stack?: string };
}

/** A handle on one instance, shaped like Cloudflare's WorkflowInstance. */
export interface WorkflowInstance {
  id: string;
  status(): Promise<InstanceStatusReport>;
  pause(): Promise<void>;
  resume(): Promise<void>;
  terminate(): Promise<void>;
  restart(opts?: { from?: unknown }): Promise<void>;
  sendEvent(event: { type: string; payload?: unknown }): Promise<void>;
}

/** A workflow binding, shaped like Cloudflare's env.MY_WORKFLOW. */
export interface WorkflowBinding {
  name: string;
  create(opts?: { id?: string; params?: unknown }): Promise<WorkflowInstance>;
  createBatch(list: Array<{ id?: string; params?: unknown }>): Promise<WorkflowInstance[]>;
  get(id: string): Promise<WorkflowInstance>;
}

/** A workflow: a class with run(event, step) (constructed with (ctx, env)), or an object with run(event, step, env). */
export type WorkflowDefinition =
  | (new (ctx: object, env: Record<string, WorkflowBinding>) => { run(event: unknown, step: unknown): unknown })
  | { run(event: unknown, step: unknown, env?: Record<string, WorkflowBinding>): unknown };

export interface EngineOptions {
  store: Store;
  clock?: Clock;
  limits?: Partial<Limits>;
  /** Errors the engine cannot hand to a caller (default console.error). */
  onError?: (err: unknown) => void;
  leaseTtlMs?: number;
  foreignPollMs?: number;
}

export interface Engine {
  readonly store: Store;
  readonly clock: Clock;
  readonly limits: Limits;
  register(name: string, def: WorkflowDefinition): WorkflowBinding;
  /** What a run's env holds: workflow bindings by binding name ({BINDING: workflow name}) and plain vars. */
  configureEnv(env: { bindings?: Record<string, string> | null; vars?: Record<string, unknown> }): void;
  workflows(): string[];
  workflow(name: string): WorkflowBinding;
  get(id: string): Promise<WorkflowInstance>;
  list(filter?: { workflow?: string }): Promise<Array<{ id: string; workflow: string; status: InstanceStatus; createdAt: number; updatedAt: number }>>;
  status(id: string): Promise<InstanceStatusReport>;
  history(id: string): Promise<Array<Record<string, unknown>>>;
  pause(id: string): Promise<void>;
  resume(id: string): Promise<void>;
  terminate(id: string): Promise<void>;
  restart(id: string, opts?: { from?: unknown }): Promise<void>;
  sendEvent(id: string, event: { type: string; payload?: unknown }): Promise<void>;
  /** Restarts runnable instances found in the store (after a crash or a restart of the process). */
  recover(opts?: { ids?: string[] }): Promise<string[]>;
  /** Resolves once the instance is finished, paused, or waiting only for events. */
  settled(id: string): Promise<InstanceStatus>;
  until(id: string, predicate: (status: InstanceStatus) => boolean): Promise<InstanceStatus>;
  /** Subscribes to engine events ({type: 'status' | 'record' | ..., id, ...}); returns the unsubscribe function. */
  on(listener: (event: { type: string; id: string; [key: string]: unknown }) => void): () => void;
  close(): Promise<void>;
}

export function createEngine(options: EngineOptions): Engine;
export const DEFAULT_LIMITS: Readonly<Limits>;
export function createRealClock(): Clock;
export function createVirtualClock(options?: { start?: number; auto?: boolean; quietTurns?: number }): VirtualClock;
/** "1 hour", "30 seconds", 5000 -> milliseconds. */
export function parseDuration(value: number | string): number;

export function createMemoryStore(): Store;
/** A SQLite file (better-sqlite3), safe to share between processes. */
export function createSqliteStore(options: { path: string; verify?: 'full' | 'quick' | 'none' }): Store;
/** Browsers: an IndexedDB database. */
export function createIndexedDbStore(options?: { name?: string; durability?: 'strict' | 'relaxed'; indexedDB?: unknown }): Store;
/** Browsers: an IndexedDB store shared by the tabs of an origin; each instance is driven by the tab holding its Web Lock. */
export interface TabLeasedStore extends Store {
  readonly label: string;
  /** The tab driving the instance, or null when none does. */
  holder(id: string): Promise<{ label: string; self: boolean } | null>;
  /** Resolves once no tab drives the instance. */
  whenFree(id: string): Promise<void>;
}
export function withTabLeases(store: Store, options?: { label?: string; locks?: unknown }): TabLeasedStore;
/** Waits until no tab drives the instance, then recovers it in this engine; true once it runs here. */
export function takeOverWhenFree(engine: Engine, store: TabLeasedStore, id: string): Promise<boolean>;

/** A Python workflow loaded by a host: register it with engine.register(def.name, def). */
export interface PythonWorkflow {
  name: string;
  module: string;
  run(event: unknown, step: unknown, env?: unknown, ctx?: unknown): Promise<unknown>;
}

export interface PyodideHost {
  readonly pyodide: unknown;
  readonly sdk: 'ours' | 'cloudflare';
  loadWorkflowSource(source: string, filename?: string): Promise<PythonWorkflow[]>;
  close(): void;
}
export interface NodePyodideHost extends PyodideHost {
  /** Loads a .py file; modules beside it are importable (`import helpers`). */
  loadWorkflowFile(file: string): Promise<PythonWorkflow[]>;
}

export interface PyodideHostOptions {
  /** 'ours' (default) or 'cloudflare': Cloudflare's own workers-runtime-sdk, as a cross-check. */
  sdk?: 'ours' | 'cloudflare';
  /** A Pyodide folder; default the package's own (built on first use into ~/.cache/pyworkflows). */
  indexURL?: string;
  sdkSource?: 'wheel' | 'dir';
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  /** Make modules beside a workflow file importable (default true). */
  importSiblings?: boolean;
}
/** Node: Pyodide from disk, no network. */
export function createPyodideHost(options?: PyodideHostOptions): Promise<NodePyodideHost>;

export interface PyodideBrowserHostOptions {
  /** The Pyodide folder URL (default /build/pyodide/, which `pyworkflows serve` serves). */
  indexURL?: string;
  sdk?: 'ours' | 'cloudflare';
  cloudflareSdkURL?: string;
  stdout?: (text: string) => void;
  stderr?: (text: string) => void;
  onProgress?: (phase: 'pyodide' | 'sdk' | 'ready', elapsedMs: number) => void;
  /** Start from the memory snapshot `pyworkflows serve` offers at /build/snapshot/ (default true; ours only). */
  snapshot?: boolean;
  /** The one warning when an offered snapshot is stale or corrupt and a plain load follows (default console.warn). */
  warn?: (message: string) => void;
}
export function createPyodideBrowserHost(options?: PyodideBrowserHostOptions): Promise<PyodideHost & {
  runPython(code: string, globals?: unknown): unknown;
  startedFrom: 'snapshot' | 'plain';
  snapshotWarning: string | null;
}>;

/**
 * Loads a workflow file (Python, or JavaScript for cloudflare:workers) into `engine`. Its wrangler config (nearest
 * upward, or `config`; false for none) names and binds the workflows as on Cloudflare; without one each class is
 * registered under its class name. Starts a Node Pyodide host for a Python file unless `host` is given.
 */
export function loadWorkflowFile(
  engine: Engine, file: string, options?: PyodideHostOptions & { host?: NodePyodideHost; config?: string | false },
): Promise<{ host: NodePyodideHost | undefined; workflows: Array<{ name: string; className: string; binding: string }> }>;

export class WorkflowError extends Error { constructor(code: string, message: string, options?: ErrorOptions); code: string; }
export class WorkflowFatalError extends WorkflowError {}
export class InvalidInputError extends WorkflowFatalError {}
export class InstanceNotFoundError extends WorkflowError {}
export class InstanceExistsError extends WorkflowError {}
export class InvalidStateError extends WorkflowError {}
export class WorkflowTimeoutError extends WorkflowError {}
export class WorkflowLimitError extends WorkflowFatalError {}
export class SerializationError extends WorkflowFatalError {}
export class DivergenceError extends WorkflowFatalError {}
/** Thrown from a step: fail the step at once, no retries. */
export class NonRetryableError extends Error { constructor(message?: string, name?: string); }
