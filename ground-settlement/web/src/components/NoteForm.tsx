/** A note and the action it explains (browser): collected elsewhere, written off, a report closed. */
import { useState } from "react";

export function NoteForm(props: {
  label: string;
  placeholder?: string;
  button: string;
  testId: string;
  onSubmit: (note: string) => Promise<void>;
}) {
  const [note, setNote] = useState("");
  return (
    <form
      className="inline"
      data-form={props.testId}
      onSubmit={(event) => {
        event.preventDefault();
        void props.onSubmit(note);
      }}
    >
      <label>
        {props.label}
        <input
          name="note"
          placeholder={props.placeholder}
          value={note}
          onChange={(e) => setNote(e.target.value)}
          minLength={3}
          maxLength={500}
          required
        />
      </label>
      <button type="submit" data-testid={props.testId}>
        {props.button}
      </button>
    </form>
  );
}
