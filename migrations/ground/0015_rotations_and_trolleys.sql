CREATE TABLE "rotation_legs" (
	"rotation_id" uuid NOT NULL,
	"leg_number" integer NOT NULL,
	"flight_id" uuid NOT NULL,
	CONSTRAINT "rotation_legs_rotation_id_leg_number_pk" PRIMARY KEY("rotation_id","leg_number"),
	CONSTRAINT "rotation_legs_leg_number" CHECK ("rotation_legs"."leg_number" BETWEEN 1 AND 8)
);
--> statement-breakpoint
CREATE TABLE "rotations" (
	"id" uuid PRIMARY KEY NOT NULL,
	"aircraft" text NOT NULL,
	"service_date" text NOT NULL,
	"created_at_ms" bigint NOT NULL,
	"created_by" text NOT NULL
);
--> statement-breakpoint
ALTER TABLE "enrolment_codes" ADD COLUMN "rotation_id" uuid;--> statement-breakpoint
ALTER TABLE "enrolment_codes" ADD COLUMN "trolley_id" text;--> statement-breakpoint
ALTER TABLE "terminal_flights" ADD COLUMN "trolley_id" text;--> statement-breakpoint
ALTER TABLE "terminal_flights" ADD COLUMN "trolley_released_at_ms" bigint;--> statement-breakpoint
ALTER TABLE "terminal_flights" ADD COLUMN "trolley_released_by" text;--> statement-breakpoint
ALTER TABLE "rotation_legs" ADD CONSTRAINT "rotation_legs_rotation_id_rotations_id_fk" FOREIGN KEY ("rotation_id") REFERENCES "public"."rotations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
ALTER TABLE "rotation_legs" ADD CONSTRAINT "rotation_legs_flight_id_flights_id_fk" FOREIGN KEY ("flight_id") REFERENCES "public"."flights"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "rotation_legs_one_rotation_per_flight" ON "rotation_legs" USING btree ("flight_id");--> statement-breakpoint
ALTER TABLE "enrolment_codes" ADD CONSTRAINT "enrolment_codes_rotation_id_rotations_id_fk" FOREIGN KEY ("rotation_id") REFERENCES "public"."rotations"("id") ON DELETE no action ON UPDATE no action;--> statement-breakpoint
CREATE UNIQUE INDEX "terminal_flights_one_per_trolley" ON "terminal_flights" USING btree ("flight_id","trolley_id") WHERE "terminal_flights"."trolley_id" IS NOT NULL AND "terminal_flights"."trolley_released_at_ms" IS NULL;--> statement-breakpoint
ALTER TABLE "terminal_flights" ADD CONSTRAINT "terminal_flights_released_by_whom" CHECK (("terminal_flights"."trolley_released_at_ms" IS NULL) = ("terminal_flights"."trolley_released_by" IS NULL));