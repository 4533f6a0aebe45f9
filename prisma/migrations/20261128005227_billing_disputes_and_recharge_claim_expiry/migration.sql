-- AlterEnum
ALTER TYPE "LedgerKind" ADD VALUE 'DISPUTE';

-- AlterTable
ALTER TABLE "BillingProfile" ADD COLUMN     "autoRechargeClaimedAt" TIMESTAMP(3);
