/**
 * A kysely Dialect around another one whose driver and connections turn environmental database
 * errors into StoreFailures (see store-failure.ts) wherever they are thrown: connecting, every
 * query and stream, transaction begin/commit/rollback. One place instead of a try/catch in every
 * Store method, and the same for PGlite and PostgreSQL.
 *
 * The wrapped driver only ever sees its own connection objects: drivers keep private state on
 * them (PGlite's driver runs transactions through symbol-keyed methods of its connection).
 */
import type {
  CompiledQuery,
  DatabaseConnection,
  DatabaseIntrospector,
  Dialect,
  DialectAdapter,
  Driver,
  Kysely,
  QueryCompiler,
  QueryResult,
  TransactionSettings,
} from 'kysely';
import { type StoreWhere, storeFailure } from './store-failure.ts';

type Translate = (e: unknown) => unknown;

class TranslatingConnection implements DatabaseConnection {
  readonly inner: DatabaseConnection;
  private readonly translate: Translate;

  constructor(inner: DatabaseConnection, translate: Translate) {
    this.inner = inner;
    this.translate = translate;
  }

  async executeQuery<R>(query: CompiledQuery, options?: Parameters<DatabaseConnection['executeQuery']>[1]) {
    try {
      return (await this.inner.executeQuery<R>(query, options)) as QueryResult<R>;
    } catch (e) {
      throw this.translate(e);
    }
  }

  async *streamQuery<R>(
    query: CompiledQuery,
    chunkSize: number,
    options?: Parameters<DatabaseConnection['streamQuery']>[2],
  ): AsyncIterableIterator<QueryResult<R>> {
    try {
      yield* this.inner.streamQuery<R>(query, chunkSize, options);
    } catch (e) {
      throw this.translate(e);
    }
  }
}

function innerOf(c: DatabaseConnection): DatabaseConnection {
  return c instanceof TranslatingConnection ? c.inner : c;
}

class TranslatingDriver implements Driver {
  private readonly inner: Driver;
  private readonly translate: Translate;

  constructor(inner: Driver, translate: Translate) {
    this.inner = inner;
    this.translate = translate;
  }

  private async guard<T>(op: () => Promise<T>): Promise<T> {
    try {
      return await op();
    } catch (e) {
      throw this.translate(e);
    }
  }

  init(options?: Parameters<Driver['init']>[0]): Promise<void> {
    return this.guard(() => this.inner.init(options));
  }

  async acquireConnection(options?: Parameters<Driver['acquireConnection']>[0]): Promise<DatabaseConnection> {
    const c = await this.guard(() => this.inner.acquireConnection(options));
    return new TranslatingConnection(c, this.translate);
  }

  beginTransaction(c: DatabaseConnection, settings: TransactionSettings): Promise<void> {
    return this.guard(() => this.inner.beginTransaction(innerOf(c), settings));
  }

  commitTransaction(c: DatabaseConnection): Promise<void> {
    return this.guard(() => this.inner.commitTransaction(innerOf(c)));
  }

  rollbackTransaction(c: DatabaseConnection): Promise<void> {
    return this.guard(() => this.inner.rollbackTransaction(innerOf(c)));
  }

  savepoint(c: DatabaseConnection, name: string, compile: QueryCompiler['compileQuery']): Promise<void> {
    return this.guard(async () => this.inner.savepoint?.(innerOf(c), name, compile));
  }

  rollbackToSavepoint(
    c: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    return this.guard(async () => this.inner.rollbackToSavepoint?.(innerOf(c), name, compile));
  }

  releaseSavepoint(
    c: DatabaseConnection,
    name: string,
    compile: QueryCompiler['compileQuery'],
  ): Promise<void> {
    return this.guard(async () => this.inner.releaseSavepoint?.(innerOf(c), name, compile));
  }

  releaseConnection(
    c: DatabaseConnection,
    options?: Parameters<Driver['releaseConnection']>[1],
  ): Promise<void> {
    return this.guard(() => this.inner.releaseConnection(innerOf(c), options));
  }

  destroy(options?: Parameters<Driver['destroy']>[0]): Promise<void> {
    return this.guard(() => this.inner.destroy(options));
  }
}

export class FailureTranslatingDialect implements Dialect {
  private readonly inner: Dialect;
  private readonly where: StoreWhere;

  constructor(inner: Dialect, where: StoreWhere) {
    this.inner = inner;
    this.where = where;
  }

  createDriver(): Driver {
    return new TranslatingDriver(this.inner.createDriver(), (e) => storeFailure(e, this.where));
  }

  createQueryCompiler(): QueryCompiler {
    return this.inner.createQueryCompiler();
  }

  createAdapter(): DialectAdapter {
    return this.inner.createAdapter();
  }

  createIntrospector(db: Kysely<unknown>): DatabaseIntrospector {
    return this.inner.createIntrospector(db);
  }
}
