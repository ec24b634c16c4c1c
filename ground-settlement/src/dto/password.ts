/**
 * How long a password may be: one rule for the ground's schemas and the pages' forms. A module of
 * its own with no imports, so the passenger's page takes it without the schema library.
 */
export const PASSWORD_LENGTH = { min: 10, max: 200 } as const;
