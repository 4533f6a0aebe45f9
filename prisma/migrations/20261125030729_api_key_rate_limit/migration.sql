-- AlterTable
ALTER TABLE "ApiKey" ADD COLUMN     "rateLimitRpm" INTEGER;
