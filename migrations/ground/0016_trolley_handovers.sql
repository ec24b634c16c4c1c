CREATE TABLE "trolley_handovers" (
	"terminal_id" uuid NOT NULL,
	"flight_id" uuid NOT NULL,
	"trolley_id" text NOT NULL,
	"seal_at_open" text,
	"seal_at_close" text,
	"stock_left" jsonb NOT NULL,
	"received_at_ms" bigint NOT NULL,
	CONSTRAINT "trolley_handovers_terminal_id_flight_id_pk" PRIMARY KEY("terminal_id","flight_id")
);
--> statement-breakpoint
ALTER TABLE "trolley_handovers" ADD CONSTRAINT "trolley_handovers_terminal_id_flight_id_terminal_chains_terminal_id_flight_id_fk" FOREIGN KEY ("terminal_id","flight_id") REFERENCES "public"."terminal_chains"("terminal_id","flight_id") ON DELETE no action ON UPDATE no action;