-- AlterTable
ALTER TABLE "RequestLog" ADD COLUMN     "upstreamAttempts" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "upstreamEndpoint" TEXT;
