/** OpenAPI 3 description of every route, served as a page at /docs and JSON at /docs/json. */
import swagger from "@fastify/swagger";
import swaggerUi from "@fastify/swagger-ui";
import type { FastifyInstance } from "fastify";
import fp from "fastify-plugin";

export const openapiPlugin = fp(
  async (app: FastifyInstance) => {
    await app.register(swagger, {
      openapi: {
        info: {
          title: "CabinPay ground service",
          version: "0.1.0",
          description: "Registration, vouchers, terminals and manifests; settlement after landing.",
        },
        components: {
          securitySchemes: {
            bearer: { type: "http", scheme: "bearer", description: "Passenger session token (cps_…) or staff API key (cpk_…)" },
            terminal: {
              type: "apiKey",
              in: "header",
              name: "x-cabinpay-signature",
              description: "Signed terminal request (see docs/protocol.md)",
            },
          },
        },
      },
    });
    await app.register(swaggerUi, { routePrefix: "/docs" });
  },
  { name: "openapi" },
);
