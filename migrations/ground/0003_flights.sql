CREATE TABLE "catalog_items" (
	"flight_id" uuid NOT NULL,
	"sku" text NOT NULL,
	"category" text NOT NULL,
	"name_en" text NOT NULL,
	"name_zh" text NOT NULL,
	"price_minor" bigint NOT NULL,
	CONSTRAINT "catalog_items_flight_id_sku_pk" PRIMARY KEY("flight_id","sku"),
	CONSTRAINT "catalog_price_non_negative" CHECK ("catalog_items"."price_minor" >= 0)
);
--> statement-breakpoint
CREATE TABLE "crew_members" (
	"flight_id" uuid NOT NULL,
	"crew_id" text NOT NULL,
	"name" text NOT NULL,
	"role" text NOT NULL,
	"pin_log2n" integer NOT NULL,
	"pin_r" integer NOT NULL,
	"pin_p" integer NOT NULL,
	"pin_salt" "bytea" NOT NULL,
	"pin_hash" "bytea" NOT NULL,
	CONSTRAINT "crew_members_flight_id_crew_id_pk" PRIMARY KEY("flight_id","crew_id")
);
--> statement-breakpoint
CREATE TABLE "flights" (
	"id" uuid PRIMARY KEY NOT NULL,
	"carrier" text NOT NULL,
	"number" text NOT NULL,
	"flight_date" text NOT NULL,
	"origin" text NOT NULL,
	"destination" text NOT NULL,
	"currency" text NOT NULL,
	"departure_at_ms" bigint NOT NULL,
	"cap_max_minor" bigint NOT NULL,
	"registration_closes_at_ms" bigint NOT NULL,
	"created_at_ms" bigint NOT NULL,
	CONSTRAINT "flights_cap_positive" CHECK ("flights"."cap_max_minor" > 0)
);
--> statement-breakpoint
CREATE TABLE "trolley_stock" (
	"flight_id" uuid NOT NULL,
	"trolley_id" text NOT NULL,
	"sku" text NOT NULL,
	"quantity" integer NOT NULL,
	CONSTRAINT "trolley_stock_flight_id_trolley_id_sku_pk" PRIMARY KEY("flight_id","trolley_id","sku"),
	CONSTRAINT "trolley_stock_non_negative" CHECK ("trolley_stock"."quantity" >= 0)
);
--> statement-breakpoint
ALTER TABLE "catalog_items" ADD CONSTRAINT "catalog_items_flight_id_flights_id_fk" FOREIGN KEY ("flight_id") REFERENCES "public"."flights"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "crew_members" ADD CONSTRAINT "crew_members_flight_id_flights_id_fk" FOREIGN KEY ("flight_id") REFERENCES "public"."flights"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "trolley_stock" ADD CONSTRAINT "trolley_stock_flight_id_flights_id_fk" FOREIGN KEY ("flight_id") REFERENCES "public"."flights"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "flights_designator_date" ON "flights" USING btree ("carrier","number","flight_date");