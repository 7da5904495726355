import { index, integer, primaryKey, sqliteTable, text } from 'drizzle-orm/sqlite-core';
import type { InvitationId, PlatformRole, TeamId, TeamRole, UserId } from '@tollgate/domain';
import { createdAt } from './columns';

export const users = sqliteTable('users', {
  id: text('id').$type<UserId>().primaryKey(),
  email: text('email').notNull().unique(),
  name: text('name').notNull(),
  passwordHash: text('password_hash').notNull(),
  role: text('role').$type<PlatformRole>().notNull().default('user'),
  createdAt: createdAt(),
});

export const sessions = sqliteTable(
  'sessions',
  {
    // SHA-256 of the cookie's token: a leaked database does not hand out live sessions.
    tokenHash: text('token_hash').primaryKey(),
    userId: text('user_id').$type<UserId>().notNull().references(() => users.id, { onDelete: 'cascade' }),
    expiresAt: integer('expires_at').notNull(),
    createdAt: createdAt(),
  },
  (t) => [index('sessions_user_idx').on(t.userId)],
);

export const teams = sqliteTable('teams', {
  id: text('id').$type<TeamId>().primaryKey(),
  name: text('name').notNull(),
  slug: text('slug').notNull().unique(),
  /** Spend cap per calendar month across all the team's apps; null = none. */
  costBudgetMicroUsdPerMonth: integer('cost_budget_micro_usd_per_month'),
  createdAt: createdAt(),
});

export const teamMembers = sqliteTable(
  'team_members',
  {
    teamId: text('team_id').$type<TeamId>().notNull().references(() => teams.id, { onDelete: 'cascade' }),
    userId: text('user_id').$type<UserId>().notNull().references(() => users.id, { onDelete: 'cascade' }),
    role: text('role').$type<TeamRole>().notNull(),
    createdAt: createdAt(),
  },
  (t) => [primaryKey({ columns: [t.teamId, t.userId] }), index('team_members_user_idx').on(t.userId)],
);

export const invitations = sqliteTable(
  'invitations',
  {
    id: text('id').$type<InvitationId>().primaryKey(),
    teamId: text('team_id').$type<TeamId>().notNull().references(() => teams.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    role: text('role').$type<TeamRole>().notNull(),
    /** SHA-256 of the link's token: the link works once, and a leaked database does not hand out invitations. */
    tokenHash: text('token_hash').notNull().unique(),
    invitedBy: text('invited_by').$type<UserId>().references(() => users.id),
    expiresAt: integer('expires_at').notNull(),
    acceptedAt: integer('accepted_at'),
    acceptedBy: text('accepted_by').$type<UserId>().references(() => users.id),
    revokedAt: integer('revoked_at'),
    createdAt: createdAt(),
  },
  (t) => [index('invitations_team_idx').on(t.teamId)],
);
