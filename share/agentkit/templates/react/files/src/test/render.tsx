/*
 * Renders a component the way the app does: under a router (at a given path) and with
 * the given API client; a probe shows the router's current path in data-testid
 * "location", so a test can see where a component navigated.
 */
import type { ReactElement } from "react";
import { render } from "@testing-library/react";
import { MemoryRouter, useLocation } from "react-router-dom";
import type { ApiClient } from "../api/client";
import { ApiContext } from "../api/context";

function LocationProbe() {
  const location = useLocation();
  return <output data-testid="location">{location.pathname}</output>;
}

export function renderWith(ui: ReactElement, client: ApiClient, path = "/") {
  return render(
    <ApiContext.Provider value={client}>
      <MemoryRouter initialEntries={[path]} future={{ v7_startTransition: true, v7_relativeSplatPath: true }}>
        {ui}
        <LocationProbe />
      </MemoryRouter>
    </ApiContext.Provider>,
  );
}
