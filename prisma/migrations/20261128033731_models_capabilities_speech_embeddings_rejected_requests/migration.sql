-- AlterEnum
-- This migration adds more than one value to an enum.
-- With PostgreSQL versions 11 and earlier, this is not possible
-- in a single migration. This can be worked around by creating
-- multiple migrations, each migration adding only one value to
-- the enum.


ALTER TYPE "ModelKind" ADD VALUE 'EMBEDDING';
ALTER TYPE "ModelKind" ADD VALUE 'SPEECH';

-- AlterTable
ALTER TABLE "Model" ADD COLUMN     "capabilities" JSONB NOT NULL DEFAULT '{}',
ADD COLUMN     "characterPrice" BIGINT NOT NULL DEFAULT 0;

-- AlterTable
ALTER TABLE "RequestLog" ADD COLUMN     "inputCharacters" INTEGER NOT NULL DEFAULT 0,
ADD COLUMN     "usageCounted" BOOLEAN NOT NULL DEFAULT false,
ALTER COLUMN "modelId" DROP NOT NULL;
