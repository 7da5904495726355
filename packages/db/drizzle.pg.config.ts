import { defineConfig } from 'drizzle-kit';

// The PostgreSQL twin of drizzle.config.ts (ADR 0039): its own migrations, generated from src/pg/schema.ts.
export default defineConfig({
  dialect: 'postgresql',
  schema: './packages/db/src/pg/schema.ts',
  out: './packages/db/migrations-pg',
});
