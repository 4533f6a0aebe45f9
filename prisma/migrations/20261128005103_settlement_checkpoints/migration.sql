-- AlterTable
ALTER TABLE "RequestLog" ADD COLUMN     "checkpointAt" TIMESTAMP(3),
ADD COLUMN     "checkpointCost" BIGINT,
ADD COLUMN     "checkpointInputTokens" INTEGER,
ADD COLUMN     "checkpointOutputTokens" INTEGER,
ADD COLUMN     "instanceId" TEXT;

-- CreateTable
CREATE TABLE "GatewayInstance" (
    "id" TEXT NOT NULL,
    "startedAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,
    "heartbeatAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP,

    CONSTRAINT "GatewayInstance_pkey" PRIMARY KEY ("id")
);
