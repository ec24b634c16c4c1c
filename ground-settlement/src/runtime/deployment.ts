/**
 * Each deployment's own job queues. Deployments sharing one Redis (two demos, a demo and a test)
 * once shared a fixed prefix, and one's worker took the other's settlement jobs, so a flight never
 * closed. The prefix now carries the database's identity (made by its migration), and at start the
 * prefix is claimed in Redis for this database: a second database on the same prefix is refused.
 */
import type { Redis } from "ioredis";
import type { Executor } from "../db/client.js";
import { deployment } from "../db/schema/deployment.js";

export interface DeploymentQueues {
  readonly deploymentId: string;
  /** The configured prefix and this database's identity: `cabinpay-0193c0a1b2c3`. */
  readonly queuePrefix: string;
}

export async function deploymentQueues(db: Executor, redis: Redis, basePrefix: string): Promise<DeploymentQueues> {
  const [row] = await db.select({ deploymentId: deployment.deploymentId }).from(deployment);
  if (row === undefined) throw new Error("the database has no deployment identity: apply the migrations (cabinpay-ground migrate)");
  const { deploymentId } = row;
  const queuePrefix = `${basePrefix}-${deploymentId.replaceAll("-", "").slice(0, 12)}`;
  const ownerKey = `${queuePrefix}:deployment`;
  await redis.set(ownerKey, deploymentId, "NX");
  const owner = await redis.get(ownerKey);
  if (owner !== deploymentId) {
    throw new Error(
      `the job queues ${queuePrefix} in Redis belong to another database (deployment ${owner}): set QUEUE_PREFIX to another value, or use another Redis`,
    );
  }
  return { deploymentId, queuePrefix };
}
