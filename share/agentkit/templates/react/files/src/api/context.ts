/*
 * The API client the components use, from React context: main.tsx relies on the default
 * (base URL from VITE_API_URL); tests provide a client over a mocked fetch.
 */
import { createContext, useContext } from "react";
import { ApiClient } from "./client";

export const ApiContext = createContext<ApiClient>(new ApiClient());

export function useApi(): ApiClient {
  return useContext(ApiContext);
}
