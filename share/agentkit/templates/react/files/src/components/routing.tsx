/*
 * Route helpers: WithId passes the ":id" segment to a page as a number and shows
 * NotFound when it is not a positive integer.
 */
import type { ReactNode } from "react";
import { Link, useParams } from "react-router-dom";

export function NotFound() {
  return (
    <section className="notice">
      <h2>Not found</h2>
      <p>
        There is no page here. <Link to="/">Start over</Link>
      </p>
    </section>
  );
}

export function WithId({ render }: { render: (id: number) => ReactNode }) {
  const { id } = useParams();
  if (!id || !/^[1-9][0-9]*$/.test(id) || !Number.isSafeInteger(Number(id)))
    return <NotFound />;
  return <>{render(Number(id))}</>;
}
