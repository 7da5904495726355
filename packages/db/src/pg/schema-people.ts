// The PostgreSQL twin of ../schema-people.ts (ADR 0039); meanings are documented there, the type mapping in columns.ts.
import { index, pgTable, primaryKey, text } from 'drizzle-orm/pg-core';
import type { InvitationId, PlatformRole, TeamId, TeamRole, UserId } from '@tollgate/domain';
import { createdAt, int64 } from './columns';

export const users = pgTable('users', {
  id: text('id').$type<UserId>().primaryKey(),
  email: text('email').notNull().unique(),
  name: text('name').notNull(),
  passwordHash: text('password_hash').notNull(),
  role: text('role').$type<PlatformRole>().notNull().default('user'),
  createdAt: createdAt(),
});

export const sessions = pgTable(
  'sessions',
  {
    tokenHash: text('token_hash').primaryKey(),
    userId: text('user_id').$type<UserId>().notNull().references(() => users.id, { onDelete: 'cascade' }),
    expiresAt: int64('expires_at').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

export const teams = pgTable('teams', {
  id: text('id').$type<TeamId>().primaryKey(),
  name: text('name').notNull(),
  slug: text('slug').notNull().unique(),
  costBudgetMicroUsdPerMonth: int64('cost_budget_micro_usd_per_month'),
  createdAt: createdAt(),
});

export const teamMembers = pgTable(
  'team_members',
  {
    teamId: text('team_id').$type<TeamId>().notNull().references(() => teams.id, { onDelete: 'cascade' }),
    userId: text('user_id').$type<UserId>().notNull().references(() => users.id, { onDelete: 'cascade' }),
    role: text('role').$type<TeamRole>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.userId] }), index('team_members_user_idx').on(t.userId)],
);

export const invitations = pgTable(
  'invitations',
  {
    id: text('id').$type<InvitationId>().primaryKey(),
    teamId: text('team_id').$type<TeamId>().notNull().references(() => teams.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    role: text('role').$type<TeamRole>().notNull(),
    tokenHash: text('token_hash').notNull().unique(),
    invitedBy: text('invited_by').$type<UserId>().references(() => users.id),
    expiresAt: int64('expires_at').notNull(),
    acceptedAt: int64('accepted_at'),
    acceptedBy: text('accepted_by').$type<UserId>().references(() => users.id),
    revokedAt: int64('revoked_at'),
    createdAt: createdAt(),
  },
  (t) => [index('invitations_team_idx').on(t.teamId)],
);
